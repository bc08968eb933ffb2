# syntax=docker/dockerfile:1
# ktc in a container: build with dev dependencies, run with production ones only.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY bench ./bench
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist/src ./dist/src
COPY bin/ktc.js ./bin/ktc.js
RUN ln -s /app/bin/ktc.js /usr/local/bin/ktc
USER node
# exec form: ktc is PID 1's only child-free process and receives SIGTERM/SIGINT directly.
ENTRYPOINT ["ktc"]
CMD ["--help"]
