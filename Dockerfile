# syntax=docker/dockerfile:1
# Tally server image. Node 24 runs the TypeScript sources directly (type stripping): no build step.
FROM node:24-slim

ENV NODE_ENV=production \
    TALLY_HTTP_PORT=8080 \
    TALLY_METRICS_PORT=9464
WORKDIR /app

# Dependencies first, so source edits do not invalidate the npm ci layer.
COPY package.json package-lock.json ./
COPY packages/domain/package.json packages/domain/package.json
COPY packages/adapters/package.json packages/adapters/package.json
COPY packages/server/package.json packages/server/package.json
COPY packages/bench/package.json packages/bench/package.json
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY migrations ./migrations
COPY packages ./packages

# .data holds runtime files (e.g. the default file mail sink); the app runs unprivileged.
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node

EXPOSE 8080 9464
HEALTHCHECK --interval=5s --timeout=3s --start-period=30s --retries=12 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TALLY_HTTP_PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Apply pending migrations (a no-op when up to date, safe with several replicas), then serve.
CMD ["sh", "-c", "node packages/server/src/main.ts migrate up && exec node packages/server/src/main.ts serve"]
