# Two commands on a fresh machine (only system Node ≥ 20, npm and make needed):
#   make start   — install what is missing, then run the service (embedded PostgreSQL without DATABASE_URL)
#   make test    — install what is missing, then type-check, lint and run every test
# Underneath they are the Node convention: `npm start` and `npm test` after an install. The install
# brings its own Node 24 (the `node` devDependency), which every npm script runs on.
.PHONY: install start test bench clean-data

install: node_modules/.tally-installed

node_modules/.tally-installed: package.json package-lock.json
	# `npm ci`: exactly what package-lock.json pins, or a failure when the lock and package.json disagree (the
	# Dockerfile runs the same with --omit=dev). Keep the lock complete for every platform: package.json pins npm
	# (`packageManager`), and CI runs this on a fresh clone.
	# --prefer-offline: tarballs already in npm's cache are used without asking the registry (integrity-checked).
	npm ci --prefer-offline --no-audit --no-fund
	touch $@

start: install
	npm start

test: install
	@scripts/test-deps.sh
	npm test

bench: install
	npm run bench -- $(ARGS)

clean-data:
	rm -rf .data
