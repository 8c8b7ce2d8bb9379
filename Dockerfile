# syntax=docker/dockerfile:1
# The latigo image: one image for every role. The default command runs supervisord with a scheduler and two
# executors (supervisord.conf); docker-compose.yml and deploy/k8s run one role per container instead
# (`latigo scheduler`, `latigo executor`). Build: docker build -t latigo .

ARG NODE_VERSION=20

# --- build: compile TypeScript, then keep only the production dependencies ---------------------------
FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles its native module when no prebuilt binary matches the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json set-env.ts ./
COPY src src
COPY providers providers
COPY migrations migrations
# tsconfig compiles the tests and benchmarks too; only dist/src, dist/providers and dist/migrations ship.
COPY test test
COPY bench bench
# postbuild stamps the build (scripts/build-if-stale.mjs), as `npm start` checks it.
COPY scripts scripts
# The operator web page (web/ -> dist/web), served by the api at /.
COPY web web
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# --- runtime: Node, supervisord, the compiled service; runs as the unprivileged `node` user ------------
FROM node:${NODE_VERSION}-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends supervisor \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    LATIGO_LOGGING__FORMAT=json \
    LATIGO_HTTP__ENABLED=true
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules node_modules
COPY --from=build /src/dist/src dist/src
COPY --from=build /src/dist/providers dist/providers
COPY --from=build /src/dist/migrations dist/migrations
COPY --from=build /src/dist/web dist/web
COPY local_config.example.yaml supervisord.conf ./
# `latigo` on PATH for supervisord.conf and `docker compose exec ... latigo status`; data/ holds SQLite
# (demo), run/ supervisord's socket and pid file.
RUN chmod +x dist/src/cli.js \
 && ln -s /app/dist/src/cli.js /usr/local/bin/latigo \
 && mkdir -p data run \
 && chown node:node data run
USER node
# /healthz, /readyz, /metrics (one process per container; supervisord.conf uses 9101-9103); 8080: the api.
EXPOSE 9464 8080
VOLUME ["/app/data"]
CMD ["supervisord", "-c", "/app/supervisord.conf"]
