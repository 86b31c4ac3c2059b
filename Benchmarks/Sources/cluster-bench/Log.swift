import Glibc

/// Writes one line to standard error (progress, never part of the report).
func logLine(_ text: String) {
    writeAll(STDERR_FILENO, text + "\n")
}

/// Writes `text` to standard output at once, unbuffered (the report's rows appear as workloads
/// finish, also when standard output is a file).
func emit(_ text: String) {
    writeAll(STDOUT_FILENO, text)
}

/// Writes all of `text` to file descriptor `descriptor`, retrying short writes and EINTR.
private func writeAll(_ descriptor: Int32, _ text: String) {
    var text = text
    text.withUTF8 { bytes in
        var rest = UnsafeRawBufferPointer(bytes)
        while !rest.isEmpty {
            let written = write(descriptor, rest.baseAddress, rest.count)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            rest = UnsafeRawBufferPointer(rebasing: rest[written...])
        }
    }
}
