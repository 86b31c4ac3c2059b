import Foundation
import Glibc

/// Small facts about the machine and the process that the benchmark measures or reports.
public enum SystemInfo {
    /// Seconds on the monotonic clock.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// This process's peak resident set size in KiB (`VmHWM` in /proc/self/status), or nil.
    public static func peakResidentKiB() -> Int? { statusKiB("VmHWM:") }

    /// This process's current resident set size in KiB (`VmRSS` in /proc/self/status), or nil.
    public static func residentKiB() -> Int? { statusKiB("VmRSS:") }

    /// This process's current anonymous resident memory in KiB (`RssAnon`: heap, stacks, anonymous
    /// maps; not file pages an engine has mmapped), or nil.
    public static func anonymousResidentKiB() -> Int? { statusKiB("RssAnon:") }

    /// The KiB figure of the /proc/self/status line starting with `field`.
    private static func statusKiB(_ field: String) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix(field) {
            return Int(line.dropFirst(field.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// The 1-, 5- and 15-minute load averages as /proc/loadavg shows them.
    public static func loadAverage() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    /// "<count> x <model name>" from /proc/cpuinfo.
    public static func cpuDescription() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "?" }
        var count = 0
        var model = "?"
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            count += 1
            if let colon = line.firstIndex(of: ":") {
                model = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return "\(count) x \(model)"
    }

    /// The total size of the regular files under `path`, in bytes.
    public static func directorySize(_ path: String) -> Int {
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total = 0
        while let name = enumerator.nextObject() as? String {
            if let attributes = try? FileManager.default.attributesOfItem(atPath: path + "/" + name),
                (attributes[.type] as? FileAttributeType) == .typeRegular,
                let size = attributes[.size] as? Int
            {
                total += size
            }
        }
        return total
    }

    /// Removes `path` and everything under it; a missing path is not an error.
    public static func removeTree(_ path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw BenchError("cannot remove \(path): \(error)")
        }
    }

    /// Creates `path` and its parents if missing.
    public static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw BenchError("cannot create \(path): \(error)")
        }
    }

    /// Creates a new, empty directory `/tmp/<prefix>-XXXXXX` and returns its path.
    public static func makeTemporaryDirectory(prefix: String = "lsm-bench") throws -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BenchError("mkdtemp failed: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}
