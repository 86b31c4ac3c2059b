import Foundation

/// Watches things that should vanish (a lease's key in `/lease/kv`, a lease in `/lease/timetolive`)
/// by polling each of them every 100 ms, and records when each was last seen and first missed.
///
/// A probe answers `true` (still there), `false` (gone) or `nil` (cannot tell right now, say while
/// no leader is known). Times are ``monotonicSeconds()``.
struct DisappearanceWatch {
    /// When one watched thing vanished, as the polls bracket it.
    struct Disappearance {
        /// Start of the last poll that still saw it (`-infinity` if none did).
        var lastSeenStart = -Double.infinity
        /// End of the first poll that saw it gone.
        var firstGoneEnd = Double.infinity

        /// Whether a poll saw it gone.
        var vanished: Bool { firstGoneEnd.isFinite }
    }

    /// One thing to watch.
    struct Probe {
        var name: String
        var isPresent: () throws -> Bool?
    }

    /// Polls every probe every `interval` seconds until each has been seen gone or `timeout`
    /// seconds pass; returns what was seen for each, by name. A probe seen gone is not polled again.
    static func watch(_ probes: [Probe], timeout: Double, interval: Double = 0.1) -> [String: Disappearance] {
        var seen: [String: Disappearance] = [:]
        for probe in probes { seen[probe.name] = Disappearance() }
        let deadline = monotonicSeconds() + timeout
        while monotonicSeconds() < deadline {
            let roundStart = monotonicSeconds()
            var pending = 0
            for probe in probes where seen[probe.name]?.vanished == false {
                let start = monotonicSeconds()
                let present = (try? probe.isPresent()) ?? nil
                let end = monotonicSeconds()
                switch present {
                case true?: seen[probe.name]?.lastSeenStart = start
                case false?: seen[probe.name]?.firstGoneEnd = end
                case nil: break
                }
                if seen[probe.name]?.vanished == false { pending += 1 }
            }
            if pending == 0 { break }
            let pause = interval - (monotonicSeconds() - roundStart)
            if pause > 0 { usleep(UInt32(pause * 1_000_000)) }
        }
        return seen
    }
}
