# syntax=docker/dockerfile:1
# Tally server image. Node 24 runs the TypeScript sources directly (type stripping): no build step.
# CI runs these steps outside a container (packages/bench/test/dockerfile.test.ts): keep to FROM, ENV, WORKDIR,
# COPY, RUN, USER, EXPOSE, HEALTHCHECK and CMD, with RUN commands relative to WORKDIR.
FROM node:24-slim

# The container's interface is its boundary: listen on all of them (the service's default is loopback).
ENV NODE_ENV=production \
    TALLY_HTTP_HOST=0.0.0.0 \
    TALLY_HTTP_PORT=8080 \
    TALLY_METRICS_PORT=9464
WORKDIR /app

# Dependencies first, so source edits do not invalidate the npm ci layer. The npm cache is a build cache
# mount: it speeds up rebuilds and never lands in the image.
COPY package.json package-lock.json ./
COPY packages/domain/package.json packages/domain/package.json
COPY packages/adapters/package.json packages/adapters/package.json
COPY packages/server/package.json packages/server/package.json
COPY packages/bench/package.json packages/bench/package.json
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund

COPY migrations ./migrations
COPY packages ./packages

# .data holds runtime files (generated admin key, embedded PostgreSQL, file mail sink); the app runs as the
# image's unprivileged user `node` (uid 1000).
RUN mkdir -p .data && chown 1000:1000 .data
USER node

EXPOSE 8080 9464
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=12 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TALLY_HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Apply pending migrations (a no-op when up to date, safe with several replicas), then serve.
CMD ["sh", "-c", "node packages/server/src/main.ts migrate up && exec node packages/server/src/main.ts serve"]
