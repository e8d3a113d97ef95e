import CCurl
import Foundation

/// One request's easy handle and the buffers libcurl writes into.
///
/// `@unchecked Sendable`: after `HTTPClient` hands it to the driver, only the driver thread touches it
/// (curl callbacks run on that thread inside `curl_multi_socket_action`), until `finish` resumes the continuation once.
final class CurlTransfer: @unchecked Sendable {
    let id: UInt64
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let maxResponseBytes: Int
    private var continuation: CheckedContinuation<HTTPResponse, any Error>?
    private let cancellation: CancellationFlag
    /// Set for streaming transfers: the body goes to the consumer chunk by chunk.
    let stream: BodyStreamState?
    /// When the response head must have arrived by (the first-byte timeout).
    let headDeadline: ContinuousClock.Instant?
    private(set) var headComplete = false
    /// How long the body may go without bytes once the head is in (the idle timeout).
    let idleTimeout: Duration?
    /// The request's timeouts, to say which one ended it.
    private let timeouts: HTTPTimeouts
    /// When the body counts as stalled: the idle timeout after the head or the last body bytes. Nil before the head,
    /// while the consumer has the transfer paused (the upstream is not to blame), and without an idle timeout.
    private(set) var idleDeadline: ContinuousClock.Instant?
    /// Where a starting idle clock reports its deadline, so that the loop finds the earliest without a scan.
    var idleDeadlines: EarliestDeadline?
    /// Where a streaming transfer notes that its consumer has news (head or bytes), delivered after libcurl's call.
    var deliveries: PendingDeliveries?
    private var awaitingDelivery = false
    private var followsRedirects = false

    private(set) var body: [UInt8] = []
    /// When set, the body goes to this file descriptor instead of memory.
    private let sink: Int32?
    private(set) var bodyBytes = 0
    private(set) var sinkFailed = false
    private let onFinish: (@Sendable (Int) -> Void)?
    private(set) var headers: [(name: String, value: String)] = []
    private(set) var overflowed = false

    init(
        id: UInt64,
        request: HTTPRequest,
        proxy: ProxySettings = ProxySettings(),
        caBundlePath: String? = nil,
        continuation: CheckedContinuation<HTTPResponse, any Error>?,
        cancellation: CancellationFlag,
        sink: Int32? = nil,
        stream: BodyStreamState? = nil,
        onFinish: (@Sendable (Int) -> Void)? = nil
    ) throws {
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(.invalidRequest, "libcurl could not create a handle")
        }
        self.id = id
        self.handle = handle
        self.maxResponseBytes = request.maxResponseBytes
        self.continuation = continuation
        self.cancellation = cancellation
        self.sink = sink
        self.stream = stream
        self.headDeadline = request.timeouts.firstByte.map { ContinuousClock.now + $0 }
        self.idleTimeout = request.timeouts.idle
        self.timeouts = request.timeouts
        self.onFinish = onFinish
        do {
            try self.configure(request, proxy: proxy, caBundlePath: caBundlePath)
        } catch {
            self.continuation = nil
            self.release()
            throw error
        }
    }

    private func configure(_ request: HTTPRequest, proxy: ProxySettings, caBundlePath: String?) throws {
        func check(_ code: CURLcode, _ what: String) throws {
            guard code == CURLE_OK else {
                throw HTTPClientError(.invalidRequest, "\(what): \(String(cString: curl_easy_strerror(code)))")
            }
        }
        try check(skiff_easy_setopt_string(handle, CURLOPT_URL, request.url), "invalid URL")
        try check(skiff_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "NOSIGNAL")
        // Send the path exactly as given: the SigV4 signature covers it.
        try check(skiff_easy_setopt_long(handle, CURLOPT_PATH_AS_IS, 1), "PATH_AS_IS")
        try check(skiff_easy_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, ""), "ACCEPT_ENCODING")
        try check(skiff_easy_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, request.timeouts.connect.wholeMilliseconds), "CONNECTTIMEOUT")
        if let total = request.timeouts.total {
            try check(skiff_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, total.wholeMilliseconds), "TIMEOUT")
        }
        // No LOW_SPEED options for the idle timeout: libcurl would apply them to the wait for the head too (the
        // first-byte timeout's), in whole seconds. `CurlSocketLoop.failStalledBodies` enforces it instead.
        self.followsRedirects = request.followRedirects
        if request.followRedirects {
            try check(skiff_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 1), "FOLLOWLOCATION")
            try check(skiff_easy_setopt_long(handle, CURLOPT_MAXREDIRS, 5), "MAXREDIRS")
        }
        if let caBundlePath {
            try check(skiff_easy_setopt_string(handle, CURLOPT_CAINFO, caBundlePath), "CAINFO")
        }
        // HTTP/2 over TLS where the server offers it (ALPN); HTTP/1.1 otherwise, and for plain http.
        try check(skiff_easy_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS)), "HTTP_VERSION")
        // Over TLS, wait briefly for an existing connection to multiplex on rather than opening a second one. Not
        // for plain http, which is HTTP/1.1 only: there libcurl would park a transfer until another one ended.
        if request.scheme == .https {
            try check(skiff_easy_setopt_long(handle, CURLOPT_PIPEWAIT, 1), "PIPEWAIT")
        }
        if request.bypassProxy {
            try check(skiff_easy_setopt_string(handle, CURLOPT_NOPROXY, "*"), "NOPROXY")
        } else {
            // Explicit, so the process environment is read once (ProxySettings) and libcurl never guesses.
            try check(skiff_easy_setopt_string(handle, CURLOPT_PROXY, proxy.proxy(for: request) ?? ""), "PROXY")
            // A tunnel's `CONNECT` reply is the proxy's, not the answer's: unseen, it cannot pass for the head.
            try check(skiff_easy_setopt_long(handle, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1), "SUPPRESS_CONNECT_HEADERS")
            if let noProxy = proxy.noProxy {
                try check(skiff_easy_setopt_string(handle, CURLOPT_NOPROXY, noProxy), "NOPROXY")
            }
        }

        let method = request.method.uppercased()
        var sendsBody = !request.body.isEmpty
        switch method {
        case "GET":
            break
        case "HEAD":
            try check(skiff_easy_setopt_long(handle, CURLOPT_NOBODY, 1), "NOBODY")
        default:
            sendsBody = true
        }
        if sendsBody {
            try check(skiff_easy_setopt_long(handle, CURLOPT_POST, 1), "POST")
            try check(skiff_easy_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)), "POSTFIELDSIZE")
            let code = request.body.withUnsafeBytes { raw -> CURLcode in
                // COPYPOSTFIELDS copies, so the Swift array need not outlive this call; "" for an empty body.
                let pointer = raw.baseAddress.map { UnsafeMutableRawPointer(mutating: $0) }
                return skiff_easy_setopt_pointer(
                    handle,
                    CURLOPT_COPYPOSTFIELDS,
                    pointer ?? UnsafeMutableRawPointer(mutating: ("" as StaticString).utf8Start)
                )
            }
            try check(code, "request body")
            if method != "POST" {
                try check(skiff_easy_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method), "method")
            }
        }

        var list: UnsafeMutablePointer<curl_slist>? = nil
        for (name, value) in request.headers {
            // Unicode scalars, not Characters: "\r\n" is one Character and would slip past a Character test.
            guard !name.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == ":" || $0 == "\0" }),
                !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" })
            else {
                curl_slist_free_all(list)
                throw HTTPClientError(.invalidRequest, "header \(name) contains a line break or colon")
            }
            let value = value.trimmingSpaces()
            list = curl_slist_append(list, value.isEmpty ? "\(name);" : "\(name): \(value)")
        }
        // libcurl would otherwise add these on its own: a form content type on POST, and a 100-continue round trip.
        if sendsBody && request.header("Content-Type") == nil {
            list = curl_slist_append(list, "Content-Type:")
        }
        list = curl_slist_append(list, "Expect:")
        self.headerList = list
        try check(skiff_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list), "headers")

        let context = Unmanaged.passUnretained(self).toOpaque()
        try check(skiff_easy_setopt_pointer(handle, CURLOPT_PRIVATE, context), "PRIVATE")
        try check(skiff_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "WRITEDATA")
        try check(skiff_easy_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody), "WRITEFUNCTION")
        try check(skiff_easy_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "HEADERDATA")
        try check(skiff_easy_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader), "HEADERFUNCTION")
    }

    var isCancelled: Bool { self.cancellation.isCancelled }

    /// What the write callback returns to libcurl: accept, pause (keep the bytes for later) or abort.
    fileprivate enum Intake { case accepted, paused, aborted }

    fileprivate func appendBody(_ bytes: UnsafeRawBufferPointer) -> Intake {
        // A consumer that gave up takes no more bytes, even those already buffered by the kernel: the transfer
        // ends here rather than running to its end inside one `curl_multi_socket_action`.
        guard !self.cancellation.isCancelled else { return .aborted }
        guard self.bodyBytes + bytes.count <= self.maxResponseBytes else {
            self.overflowed = true
            return .aborted
        }
        if let stream {
            guard stream.offer(bytes) else {
                // Paused for the consumer: no idle clock until it has caught up (`resume`).
                self.idleDeadline = nil
                return .paused
            }
            self.bodyBytes += bytes.count
            self.bodyBytesArrived()
            self.noteDelivery()
            return .accepted
        }
        self.bodyBytes += bytes.count
        self.bodyBytesArrived()
        guard let sink else {
            self.body.append(contentsOf: bytes)
            return .accepted
        }
        var offset = 0
        while offset < bytes.count {
            let written = write(sink, bytes.baseAddress! + offset, bytes.count - offset)
            if written <= 0 {
                self.sinkFailed = true
                return .aborted
            }
            offset += written
        }
        return .accepted
    }

    /// Parses one header line from its bytes: it runs on the driver thread, which every response passes through.
    fileprivate func appendHeaderLine(_ bytes: UnsafeRawBufferPointer) {
        var end = bytes.count
        while end > 0 && (bytes[end - 1] == UInt8(ascii: "\r") || bytes[end - 1] == UInt8(ascii: "\n")) { end -= 1 }
        if end == 0 {
            self.headBlockEnded()
            return
        }
        if end >= 5 && bytes[0..<5].elementsEqual("HTTP/".utf8) {
            // A new status line (after 100 Continue or a redirect) starts a new header block.
            self.headers.removeAll()
            return
        }
        guard let colon = bytes[0..<end].firstIndex(of: UInt8(ascii: ":")) else { return }
        var start = colon + 1
        while start < end && (bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t")) { start += 1 }
        while end > start && (bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t")) { end -= 1 }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<colon]), as: UTF8.self)
        let value = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        self.headers.append((name, value))
    }

    /// The blank line after a header block: the final head unless it was an interim 1xx or a redirect being followed.
    private func headBlockEnded() {
        var status = 0
        _ = skiff_easy_getinfo_long(self.handle, CURLINFO_RESPONSE_CODE, &status)
        if (100..<200).contains(status) { return }
        if self.followsRedirects, (300..<400).contains(status), self.headers.contains(where: { $0.name.lowercased() == "location" }) {
            return
        }
        self.headComplete = true
        self.startIdleClock()
        self.stream?.headersArrived(status: status, headers: self.headers)
        self.noteDelivery()
    }

    private func noteDelivery() {
        guard self.stream != nil, !self.awaitingDelivery else { return }
        self.awaitingDelivery = true
        self.deliveries?.note(self)
    }

    /// Hands the consumer what arrived during libcurl's last call (`PendingDeliveries`).
    func deliver() {
        self.awaitingDelivery = false
        self.stream?.deliver()
    }

    /// Starts (or restarts) the wait for body bytes, reporting the deadline as it may be the loop's earliest.
    private func startIdleClock() {
        guard let idleTimeout else { return }
        let deadline = ContinuousClock.now + idleTimeout
        self.idleDeadline = deadline
        self.idleDeadlines?.note(deadline)
    }

    /// Pushes a running idle clock later. Not reported: a later deadline leaves the loop's earliest a valid bound.
    private func bodyBytesArrived() {
        guard self.idleDeadline != nil, let idleTimeout else { return }
        self.idleDeadline = ContinuousClock.now + idleTimeout
    }

    /// Takes up a transfer paused for its consumer; its idle clock starts afresh first, so that bytes libcurl hands
    /// over at once (and a pause they may cause again) count from here.
    func resume() {
        self.startIdleClock()
        curl_easy_pause(self.handle, CURLPAUSE_CONT)
    }

    /// Resumes the waiting task exactly once.
    func finish(_ result: Result<HTTPResponse, any Error>) {
        if let stream {
            stream.finish(result.map { _ in () })
            self.onFinish?(self.bodyBytes)
            return
        }
        guard let continuation = self.continuation else { return }
        self.continuation = nil
        self.onFinish?(self.bodyBytes)
        continuation.resume(with: result)
    }

    /// The outcome once libcurl reports the transfer done.
    func result(for code: CURLcode) -> Result<HTTPResponse, any Error> {
        if code == CURLE_OK {
            var status = 0
            _ = skiff_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: self.headers, body: self.body))
        }
        if self.cancellation.isCancelled {
            return .failure(HTTPClientError(.cancelled, "the request was cancelled"))
        }
        if self.sinkFailed {
            return .failure(HTTPClientError(.network, "could not write the response body to disk: \(String(cString: strerror(errno)))"))
        }
        if self.overflowed {
            return .failure(HTTPClientError(.responseTooLarge, "response body exceeds \(self.maxResponseBytes) bytes"))
        }
        // libcurl reports a tunnel the proxy refused as a receive failure; say what happened (never the proxy URL,
        // which may carry credentials).
        var connectStatus = 0
        _ = skiff_easy_getinfo_long(handle, CURLINFO_HTTP_CONNECTCODE, &connectStatus)
        if connectStatus != 0 && connectStatus != 200 {
            return .failure(HTTPClientError(.couldNotConnect, "the proxy refused the tunnel: CONNECT answered \(connectStatus)"))
        }
        let message = Self.describe(code, handle: self.handle, timeouts: self.timeouts)
        let errorCode: HTTPClientError.Code
        switch code {
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY: errorCode = .couldNotResolve
        case CURLE_COULDNT_CONNECT: errorCode = .couldNotConnect
        case CURLE_OPERATION_TIMEDOUT: errorCode = .timedOut
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CACERT_BADFILE:
            errorCode = .tls
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: errorCode = .invalidRequest
        default: errorCode = .network
        }
        return .failure(HTTPClientError(errorCode, message))
    }

    /// What went wrong in words a caller can act on; libcurl's own (`Transferred a partial file`) for the rest.
    static func describe(_ code: CURLcode, handle: UnsafeMutableRawPointer, timeouts: HTTPTimeouts) -> String {
        switch code {
        case CURLE_PARTIAL_FILE:
            return "the connection closed before the response ended"
        case CURLE_GOT_NOTHING:
            return "the connection closed without a response"
        case CURLE_COULDNT_CONNECT:
            return "connection refused or unreachable"
        case CURLE_RECV_ERROR:
            return "the connection failed while receiving the response"
        case CURLE_SEND_ERROR:
            return "the connection failed while sending the request"
        case CURLE_OPERATION_TIMEDOUT:
            var connected = 0.0
            _ = skiff_easy_getinfo_double(handle, CURLINFO_CONNECT_TIME, &connected)
            if connected == 0 { return "no connection within the connect timeout (\(timeouts.connect.wholeMilliseconds) ms)" }
            return "no complete response within the total timeout" + (timeouts.total.map { " (\($0.wholeMilliseconds) ms)" } ?? "")
        default:
            return String(cString: curl_easy_strerror(code))
        }
    }

    /// Frees the easy handle and header list; the driver calls it after removing the handle from the multi.
    func release() {
        curl_easy_cleanup(self.handle)
        curl_slist_free_all(self.headerList)
        self.headerList = nil
    }
}

private let curlWriteBody: skiff_data_callback = { buffer, size, count, userdata in
    guard let userdata, let buffer else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    switch transfer.appendBody(UnsafeRawBufferPointer(start: buffer, count: length)) {
    case .accepted: return length
    case .paused: return Int(CURL_WRITEFUNC_PAUSE)
    case .aborted: return 0
    }
}

private let curlWriteHeader: skiff_data_callback = { buffer, size, count, userdata in
    guard let userdata, let buffer else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    transfer.appendHeaderLine(UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}

extension String {
    func trimmingSpaces() -> String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
        while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
        return String(view)
    }
}
