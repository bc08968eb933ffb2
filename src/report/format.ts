/** Number formatting shared by every text report. */
export const ms = (micros: number, digits = 3): string => (micros / 1000).toFixed(digits);
export const fixed = (n: number, digits: number): string => n.toFixed(digits);
export const count = (n: number): string => Math.round(n).toLocaleString('en-US');
