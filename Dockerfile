# The git-dbsync image: `git-dbsync watch` in a container, next to InvoicePlane and MariaDB
# (see docker-compose.yml and docs/install/docker.md).
#
#   docker build -t git-dbsync .
#   docker run -d -v "$PWD/history:/project" -v "$HOME/.ssh:/root/.ssh:ro" \
#     -e DB_HOST=db -e DB_USER=invoiceplane -e DB_PASSWORD_FILE=/run/secrets/db_password \
#     -e DB_NAME=invoiceplane git-dbsync
#
# BASE_IMAGE is pinned to one Node 20 release on Debian 12 (bookworm). It is a build argument so
# that a locally made image can stand in for it (the container test builds without a registry).
ARG BASE_IMAGE=node:20.20.2-bookworm-slim

# --- build: install every dependency, compile TypeScript, then drop the dev dependencies ---------
FROM ${BASE_IMAGE} AS build
WORKDIR /src
# Dependencies first, so that a change in src/ reuses the cached `npm ci` layer.
COPY package.json package-lock.json tsconfig.json ./
# --ignore-scripts: the `prepare` script would compile before src/ is here.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN npx tsc -p tsconfig.json \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# --- runtime: Node, git, ssh; no compiler, no npm ---------------------------------------------
FROM ${BASE_IMAGE}
# git and ssh for committing and pushing (the system git, as the tool expects), CA certificates for
# https remotes, tini as PID 1 (forwards SIGTERM to watch, reaps ssh/git children). npm, npx,
# corepack and yarn are removed: nothing is installed at run time.
# safe.directory: the mounted project folder usually belongs to a user of the host, not to root;
# without it git would refuse to work in it ("dubious ownership").
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates tini \
 && apt-get clean \
 && rm -rf /var/lib/apt/lists/* \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /opt/yarn-* \
           /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack /usr/local/bin/yarn /usr/local/bin/yarnpkg \
 && git config --system --add safe.directory '*'

WORKDIR /app
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
# Data files the tool reads at run time (the demo's InvoicePlane-shaped database).
COPY assets ./assets
RUN ln -s /app/bin/git-dbsync.js /usr/local/bin/git-dbsync && git-dbsync --version

# The old container's layout: the project (the git working tree) at /project, SSH keys at
# /root/.ssh (mount them read-only). Every setting is an environment variable (docs/reference/configuration.md).
ENV NODE_ENV=production \
    PROJECT_DIR=/project
WORKDIR /project

# Healthy while `watch` runs and its last successful pass is recent: max(3 x POLL_INTERVAL, 60 s).
# It reads only .git/dbsync/state.json: no database connection, no password, no lock.
# The start period covers the first pass of a large database.
HEALTHCHECK --interval=30s --timeout=10s --start-period=2m --retries=3 CMD ["git-dbsync", "health"]

ENTRYPOINT ["/usr/bin/tini", "--", "git-dbsync"]
CMD ["watch"]
