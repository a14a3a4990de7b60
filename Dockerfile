# prosperity: the API server and its default database in a small Debian 12 image.
#
#   docker build -t prosperity .
#   docker run --rm -p 8080:8080 prosperity                       # the built-in data
#   docker run --rm -p 8080:8080 -v "$PWD/mydata:/data" \
#       -e PROSPERITY_DB=/data/prosperity.db prosperity              # your own database
#   docker kill -s HUP <container>    # reload the database file (old data kept on failure)
#   docker stop <container>           # SIGTERM: finish requests in flight, then exit 0
#
# Settings come from PROSPERITY_* environment variables (`prosperity serve --help` lists all).

# ---- stage 1: build, run the unit tests, install into /out ----------------------------------
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev \
      zlib1g-dev libjs-chart.js check libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt README.md ./
COPY api/ api/
COPY server/ server/
COPY static/ static/
COPY data/ data/
COPY config/ config/
COPY tests/ tests/
COPY .ci/container-build .ci/container-build
RUN .ci/container-build /src /out /usr/local

# ---- stage 2: runtime libraries, the binary and the default database -------------------------
FROM debian:bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libmicrohttpd12 libjansson4 libsqlite3-0 zlib1g libjs-chart.js \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 prosperity \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin prosperity \
 && mkdir /data \
 && chown prosperity:prosperity /data
COPY --from=build /out/usr/local/ /usr/local/

# A user database goes in the volume: -e PROSPERITY_DB=/data/prosperity.db. Replace the file
# (write it next to the old one, then rename it over) and send SIGHUP to switch to it.
VOLUME ["/data"]
ENV PROSPERITY_LISTEN=0.0.0.0 \
    PROSPERITY_PORT=8080 \
    PROSPERITY_LOG_FORMAT=json
# Numeric, so that Kubernetes can check runAsNonRoot.
USER 10001:10001
EXPOSE 8080
STOPSIGNAL SIGTERM
# healthcheck reads PROSPERITY_PORT, so a changed port needs no change here.
HEALTHCHECK --interval=15s --timeout=5s --start-period=5s --retries=3 \
  CMD ["prosperity", "healthcheck"]
ENTRYPOINT ["prosperity"]
CMD ["serve"]
