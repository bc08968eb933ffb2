# syntax=docker/dockerfile:1
# ktc in a container: build with dev dependencies, run with production ones only.
#   docker build -t ktc .
#   docker run --rm --network host ktc --credentials - --producer --consumer < creds.yaml
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY bench ./bench
# The build also compiles ktc's CRC-32C addon where it can; this image has no C compiler, so ktc checks CRCs with
# @node-rs/crc32 (installed by npm ci) instead: correct, ~4x slower at it.
COPY bin/build-native.mjs ./bin/
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
# Named ktc so ENTRYPOINT ["ktc"] finds it on PATH (an extension-less ES module: package.json says "type": "module").
COPY bin/ktc.js ./bin/ktc
ENV PATH="/app/bin:${PATH}"
USER node
# Exec form: ktc runs as PID 1 and gets SIGTERM from `docker stop` directly; it installs its own
# handlers (drain, summary, exit 143), so the kernel's PID 1 signal rule does not swallow it.
ENTRYPOINT ["ktc"]
CMD ["--help"]
