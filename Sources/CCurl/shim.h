#ifndef SKIFF_CCURL_SHIM_H
#define SKIFF_CCURL_SHIM_H

#include <curl/curl.h>
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

// curl_easy_setopt, curl_easy_getinfo and curl_multi_setopt are variadic, which Swift cannot call.
// These typed wrappers are the only way the HTTPClient module touches them.

static inline CURLcode skiff_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode skiff_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode skiff_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode skiff_easy_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode skiff_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*skiff_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode skiff_easy_setopt_data_callback(CURL *handle, CURLoption option, skiff_data_callback value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode skiff_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode skiff_easy_getinfo_pointer(CURL *handle, CURLINFO info, void **value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode skiff_easy_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLMcode skiff_multi_setopt_long(CURLM *handle, CURLMoption option, long value) {
    return curl_multi_setopt(handle, option, value);
}

// libcurl's socket interface (curl_multi_socket_action) tells its driver which sockets to watch and when to time
// out; the driver watches them with epoll and is woken by an eventfd. Glibc's Swift module exposes neither, and
// epoll_event is a packed struct, so these helpers keep both on the C side and speak libcurl's bit masks.

typedef int (*skiff_socket_callback)(CURL *easy, curl_socket_t socket, int what, void *userp, void *socketp);
typedef int (*skiff_timer_callback)(CURLM *multi, long timeout_ms, void *userp);

static inline CURLMcode skiff_multi_setopt_pointer(CURLM *handle, CURLMoption option, void *value) {
    return curl_multi_setopt(handle, option, value);
}

static inline CURLMcode skiff_multi_setopt_socket_callback(CURLM *handle, skiff_socket_callback value) {
    return curl_multi_setopt(handle, CURLMOPT_SOCKETFUNCTION, value);
}

static inline CURLMcode skiff_multi_setopt_timer_callback(CURLM *handle, skiff_timer_callback value) {
    return curl_multi_setopt(handle, CURLMOPT_TIMERFUNCTION, value);
}

static inline int skiff_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

/// Watches `fd` for what libcurl asked (CURL_POLL_IN, _OUT or _INOUT), or stops watching it (CURL_POLL_REMOVE).
/// Level-triggered, as libcurl expects. `known` says whether `fd` is in the set already (one epoll_ctl, not two);
/// a descriptor number libcurl closed and reused is handled either way round.
static inline int skiff_epoll_watch(int epfd, int fd, int what, int known) {
    if (what == CURL_POLL_REMOVE) {
        int result = epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
        return (result == 0 || errno == ENOENT || errno == EBADF) ? 0 : -1;
    }
    struct epoll_event event = { 0 };
    event.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
    event.data.fd = fd;
    if (epoll_ctl(epfd, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event) == 0) return 0;
    if (errno != (known ? ENOENT : EEXIST)) return -1;
    return epoll_ctl(epfd, known ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
}

/// Waits up to `timeout_ms` (-1: forever) and writes each ready descriptor with its readiness as libcurl's
/// CURL_CSELECT_IN/_OUT/_ERR bits, at most `capacity` (and at most 256). Returns how many, 0 on timeout or a
/// signal, -1 on error.
static inline int skiff_epoll_wait(int epfd, int *fds, int *bits, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int count = epoll_wait(epfd, events, capacity, timeout_ms);
    if (count < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < count; i++) {
        uint32_t ready = events[i].events;
        fds[i] = events[i].data.fd;
        bits[i] = ((ready & (EPOLLIN | EPOLLHUP | EPOLLRDHUP)) ? CURL_CSELECT_IN : 0)
            | ((ready & EPOLLOUT) ? CURL_CSELECT_OUT : 0)
            | ((ready & EPOLLERR) ? CURL_CSELECT_ERR : 0);
    }
    return count;
}

// Names the calling thread (as `top -H` and `perf` show it); prctl is variadic, so Swift cannot call it directly.
static inline void skiff_name_current_thread(const char *name) {
    (void)prctl(PR_SET_NAME, name, 0, 0, 0);
}

static inline int skiff_eventfd_create(void) {
    return eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

static inline void skiff_eventfd_signal(int fd) {
    uint64_t one = 1;
    ssize_t written = write(fd, &one, sizeof one);
    (void)written;  // a full counter (EAGAIN) already means "wake up"
}

static inline void skiff_eventfd_drain(int fd) {
    uint64_t count;
    ssize_t got = read(fd, &count, sizeof count);
    (void)got;  // nothing to read (EAGAIN) is fine: the wake-up was already taken
}

#endif
