# Paddock container image: one static binary, non-root, data in /data.
#
#   docker build -t paddock .
#   docker run -p 8080:8080 -v paddock:/data paddock
#
# Where no image can be pulled, build the binary on the host and package it
# with the last stage alone:
#   make build && docker build --target local -t paddock .

# --- build: compile a static binary without cgo --------------------------
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o /out/paddock . \
 && mkdir -p /out/data

# --- rootfs: what the final image needs besides the binary ---------------
FROM scratch AS rootfs
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build --chown=65532:65532 /out/data /data

# --- image: from the build stage --------------------------------------------
FROM rootfs AS image
COPY --from=build /out/paddock /paddock
USER 65532:65532
ENV PADDOCK_DATA_DIR=/data PADDOCK_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s CMD ["/paddock", "healthcheck"]
ENTRYPOINT ["/paddock"]
CMD ["serve"]

# --- local: the same image around a binary built on the host (bin/paddock)
FROM scratch AS local
COPY --chown=65532:65532 bin/.data-placeholder /data/.keep
COPY bin/paddock /paddock
USER 65532:65532
ENV PADDOCK_DATA_DIR=/data PADDOCK_ADDR=:8080
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s CMD ["/paddock", "healthcheck"]
ENTRYPOINT ["/paddock"]
CMD ["serve"]

# The default target is the self-contained image.
FROM image
