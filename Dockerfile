# syntax=docker/dockerfile:1

# Build a static binary: no cgo, so it runs on distroless/static.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/nudgebot ./cmd/nudgebot
# An empty /data for the runtime image (distroless has no shell to mkdir).
RUN mkdir -p /out/data

# Runtime: distroless static has CA certificates and no shell. Time zone data
# is compiled into the binary (time/tzdata), so the image needs none.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/nudgebot /nudgebot
# Runs as nonroot (uid 65532), so /data belongs to that uid: a named volume
# starts out with this ownership; a bind-mounted host directory must be
# writable by uid 65532.
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
# /data holds the bbolt data file (nudgebot.db), the control socket used by
# `status`, `backup` and `export` while the bot runs, and the shell log.
# The configuration is mounted at /etc/nudgebot/nudgebot.toml and must set
#     data_dir = "/data"
# A relative data_dir is resolved against the config file's directory, so
# with the default ("data") it would land under /etc/nudgebot, off the
# volume. Alternatively mount the config inside the volume (for example
# /data/nudgebot.toml with data_dir = ".") and pass that path to -config.
VOLUME /data
WORKDIR /data
ENTRYPOINT ["/nudgebot"]
CMD ["run", "-config", "/etc/nudgebot/nudgebot.toml"]
