# memsync needs cgo (go-libsql links a static libSQL library).
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 go build -trimpath -o /out/memsync ./cmd/memsync

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/memsync /usr/local/bin/memsync
COPY deploy/nats.conf /etc/memsync/nats.conf
RUN useradd --system --home /data memsync && mkdir -p /data && chown memsync /data
USER memsync
WORKDIR /data
ENTRYPOINT ["/usr/local/bin/memsync"]
