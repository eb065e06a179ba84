# syntax=docker/dockerfile:1
# The admin SPA (Angular build) served by nginx, which also proxies /api (REST, health, SSE) and
# /webhook to the server replicas. Build from the repository root:
#   docker build -f ops/docker/admin.Dockerfile -t api-manager-admin .
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:admin

FROM nginx:1.27-alpine
# Filled in by the image's entrypoint (envsubst) into /etc/nginx/conf.d/default.conf at start:
# API_UPSTREAM = the server's service name and port; NGINX_RESOLVER = Docker's embedded DNS, so
# the replicas behind that name are looked up again as they come and go.
ENV API_UPSTREAM=server:3000 \
    NGINX_RESOLVER=127.0.0.11
RUN rm -f /etc/nginx/conf.d/default.conf
COPY ops/nginx/admin-container.conf.template /etc/nginx/templates/default.conf.template
COPY --from=build /app/dist/admin/browser /usr/share/nginx/html
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
