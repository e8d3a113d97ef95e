import Foundation
import Metrics
import Synchronization

/// `process_resident_memory_bytes`, `process_virtual_memory_bytes`, `process_open_fds` and
/// `process_cpu_seconds_total`, read from /proc when Prometheus scrapes (Linux only; elsewhere nothing is recorded).
final class ProcessMetrics: Sendable {
    private let resident = Gauge(label: "process_resident_memory_bytes")
    private let virtual = Gauge(label: "process_virtual_memory_bytes")
    private let openFiles = Gauge(label: "process_open_fds")
    private let cpu = FloatingPointCounter(label: "process_cpu_seconds_total")
    private let reportedCPU = Mutex<Double>(0)

    func update() {
        let page = Double(sysconf(Int32(_SC_PAGESIZE)))
        if let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) {
            let fields = statm.split(separator: " ").compactMap { Double($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            if fields.count >= 2 {
                self.virtual.record(fields[0] * page)
                self.resident.record(fields[1] * page)
            }
        }
        if let files = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") { self.openFiles.record(files.count) }
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
            // Fields after the command name: state is field 3, utime 14 and stime 15 (1-based), in clock ticks.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) {
                let seconds = (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
                let delta = self.reportedCPU.withLock { reported -> Double in
                    defer { reported = max(reported, seconds) }
                    return seconds - reported
                }
                if delta > 0 { self.cpu.increment(by: delta) }
            }
        }
    }
}
