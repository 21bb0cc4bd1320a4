# syntax=docker/dockerfile:1
# Web Sched ASAP as a container: the release build in a throw-away stage, then a slim runtime
# with no compiler, running as its own non-root user, the SQLite file on the /data volume.
#
#   docker build -t asap .
#   docker run -d --name asap -p 127.0.0.1:3000:3000 -v asap-data:/data \
#     -e ASAP_PUBLIC_URL=https://asap.your-office.example asap
#   docker exec -it asap /app/server user add NAME --admin
#
# Port 3000 serves the pages and the API over plain HTTP (a TLS reverse proxy goes in front);
# 9464 serves /metrics for Prometheus (publish it only to the monitoring network). See the
# README's "Deploy" section.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# The binary is stripped of its symbol tables (68 MB to 36 MB); panics still name file and line.
# The build tools first, a layer of their own that survives code changes: the WASM target,
# cargo-leptos, wasm-bindgen and wasm-opt (from npm), exactly as scripts/setup installs them.
COPY scripts/setup scripts/setup
COPY tools/package.json tools/package-lock.json tools/
RUN scripts/setup run
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target,id=asap-target \
    export PATH="$PWD/tools/node_modules/.bin:$PATH" \
 && cargo leptos build --release --precompress --split \
 && mkdir -p /out \
 && cp target/release/server target/release/hash.txt /out/ \
 && cp -r target/site /out/site \
 && strip /out/server

FROM debian:bookworm-slim
# CA certificates for the SMS provider, the mail server and Open Dental over TLS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin asap \
 && mkdir /data && chown asap:asap /data && chmod 0700 /data
# The server reads hash.txt (the built files' hashed names) from beside its binary.
COPY --from=build /out/server /out/hash.txt /app/
COPY --from=build /out/site /app/site
ENV ASAP_DATABASE_URL=sqlite:///data/asap.db \
    LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    ASAP_METRICS_ADDR=0.0.0.0:9464 \
    ASAP_LOG_FORMAT=json
USER asap
WORKDIR /app
VOLUME /data
EXPOSE 3000 9464
# `server ready` asks this container's own /readyz (the database answers, every migration applied).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["/app/server", "ready"]
ENTRYPOINT ["/app/server"]
CMD ["serve"]
