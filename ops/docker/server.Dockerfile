# syntax=docker/dockerfile:1
# The API Manager server (it also serves the admin SPA at / for set-ups without the admin image).
# Multi-stage: dependencies and build in one stage, production files only in the final one, which
# runs as the unprivileged `node` user. Build from the repository root:
#   docker build -f ops/docker/server.Dockerfile -t api-manager-server .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    HOST=0.0.0.0 \
    DATA_DIR=/app/data \
    ADMIN_DIST_DIR=/app/dist/admin/browser \
    LOG_FORMAT=json
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/package.json ./
# git and CA certificates for command jobs' checkout and commit-back (COMMAND_JOBS_ENABLED); /bin/sh is in the base.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Only DATA_DIR is writable by the server (embedded Postgres / generated keys when DATABASE_URL is unset).
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 3000
# Migrations run at start (advisory lock: replicas starting together apply each once) before the
# server listens, hence the start period.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/api/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM: running executions get SHUTDOWN_GRACE_MS to finish (give `docker stop -t` more than that).
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/src/main.js"]
