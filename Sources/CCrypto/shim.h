#ifndef SKIFF_CCRYPTO_SHIM_H
#define SKIFF_CCRYPTO_SHIM_H

// Only the digests the SigV4 signer needs: SHA-256 and HMAC-SHA256 through OpenSSL's one-shot APIs.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#endif
