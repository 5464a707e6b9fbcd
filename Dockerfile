# syntax=docker/dockerfile:1
# The uliga service image: a release build on Debian bookworm, run as a non-root user.
# Migrations are embedded in the binary, which applies them at start.

FROM rust:1.95-bookworm AS builder
WORKDIR /app

# Dependencies first, built against an empty crate, so that this layer is reused until
# Cargo.toml or Cargo.lock change.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src target/release/.fingerprint/uliga-* target/release/deps/uliga-* \
        target/release/deps/libuliga-* target/release/uliga*

# The crate itself (.dockerignore keeps target/, .git and local files out).
COPY . .
RUN cargo build --release --locked --bin uliga \
    && install -D -m 0755 target/release/uliga /out/uliga

# The GraphiQL playground's scripts and stylesheet, bundled from the pinned npm
# packages of web/ (package-lock.json).
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/build.mjs ./
COPY web/src ./src
RUN npm run build

FROM debian:bookworm-slim AS runtime
# No ca-certificates: the binary carries its TLS roots (webpki-roots, for SMTP and
# the sign-in providers' keys) and links no OpenSSL; the package and the openssl
# it pulls in would add 9.6 MB that nothing reads.
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin uliga

COPY --from=builder /out/uliga /usr/local/bin/uliga
# Served at / while GraphiQL is on (ULIGA_PROFILE=production turns it off).
COPY --from=web /web/dist /usr/share/uliga/graphiql

USER 10001:10001
# The image is what production runs: GraphiQL, introspection and field
# suggestions stay off unless a variable turns one back on.
ENV ULIGA_PROFILE=production \
    LISTEN_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json \
    GRAPHIQL_ASSETS_DIR=/usr/share/uliga/graphiql
EXPOSE 8080

# Liveness through bash's /dev/tcp (the slim image has no curl), on the port that
# LISTEN_ADDR names, so it follows the blue/green ports the deploy script sets.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${LISTEN_ADDR##*:} && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && IFS= read -r status <&3 && [[ $status == *' 200 '* ]]"]

# The server drains on SIGTERM: it stops accepting, finishes in-flight requests, exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/uliga"]
