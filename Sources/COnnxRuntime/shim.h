#ifndef SKIFF_CONNXRUNTIME_SHIM_H
#define SKIFF_CONNXRUNTIME_SHIM_H

// The ONNX Runtime C API: one table of function pointers, fetched once by Inference.OnnxRuntime.
// Compiled against the headers' ORT_API_VERSION; newer libraries serve older API versions unchanged.
#include <onnxruntime_c_api.h>

static inline const OrtApi *skiff_ort_api(void) {
    return OrtGetApiBase()->GetApi(ORT_API_VERSION);
}

static inline const char *skiff_ort_version(void) {
    return OrtGetApiBase()->GetVersionString();
}

#endif
