/** Who moves the data: ktc's own wire protocol (produce and fetch), or kafkajs throughout (src/engine/createEngine.ts). */
export const ENGINES = ['wire', 'kafkajs'] as const;
export type EngineName = (typeof ENGINES)[number];
