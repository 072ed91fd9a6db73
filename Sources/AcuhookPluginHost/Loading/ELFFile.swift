import Foundation

/// The few facts Acuhook reads from a shared object before `dlopen`: the libraries it needs, its
/// run path, and the compiler named in its debug information. 64-bit little-endian ELF only
/// (x86_64 and aarch64 Linux); anything else reads as "unknown", never as an error.
struct ELFFile {
    /// `DT_NEEDED`: the libraries it links (`libswiftCore.so`, `libc.so.6`).
    var needed: [String] = []
    /// `DT_RUNPATH`, else `DT_RPATH`, split at `:`, with `$ORIGIN` replaced by the file's folder.
    var runPath: [String] = []
    /// The Swift compiler that built it, as its `.acuhook.compiler` section or else its debug
    /// information names it (`Swift version 6.3.1 (swift-6.3.1-RELEASE)`); nil when neither says.
    var swiftCompiler: String?

    /// Reads `path`; nil when it is not a readable 64-bit little-endian ELF file.
    init?(path: String) {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard count >= 0, (try? file.seek(toOffset: offset)) != nil, let data = try? file.read(upToCount: count), data.count == count else { return nil }
            return Array(data)
        }
        guard let header = read(0, 64), header.starts(with: [0x7F, 0x45, 0x4C, 0x46]), header[4] == 2, header[5] == 1 else { return nil }
        let sectionTable = header.integer(at: 0x28, as: UInt64.self)
        let entrySize = Int(header.integer(at: 0x3A, as: UInt16.self))
        let count = Int(header.integer(at: 0x3C, as: UInt16.self))
        let namesIndex = Int(header.integer(at: 0x3E, as: UInt16.self))
        guard entrySize >= 64, count > 0, count < 65_536, namesIndex < count, let table = read(sectionTable, entrySize * count) else { return nil }
        let sections = (0..<count).map { index in Section(table, at: index * entrySize) }
        guard let names = read(sections[namesIndex].offset, Int(clamping: sections[namesIndex].size)) else { return nil }

        let origin = (path as NSString).deletingLastPathComponent
        if let dynamic = sections.first(where: { $0.type == 6 }), Int(dynamic.link) < sections.count,
           let entries = read(dynamic.offset, Int(clamping: min(dynamic.size, 1 << 20))),
           let strings = read(sections[Int(dynamic.link)].offset, Int(clamping: min(sections[Int(dynamic.link)].size, 1 << 24)))
        {
            var runPath: [String] = [], rPath: [String] = []
            for start in stride(from: 0, to: entries.count - 15, by: 16) {
                let tag = entries.integer(at: start, as: Int64.self)
                if tag == 0 { break }
                let text = strings.cString(at: Int(clamping: entries.integer(at: start + 8, as: UInt64.self)))
                switch tag {
                case 1: needed.append(text)
                case 15: rPath = text.split(separator: ":").map(String.init)
                case 29: runPath = text.split(separator: ":").map(String.init)
                default: break
                }
            }
            self.runPath = (runPath.isEmpty ? rPath : runPath).map { $0.replacingOccurrences(of: "$ORIGIN", with: origin) }
        }
        if let recorded = sections.first(where: { names.cString(at: Int($0.name)) == Self.compilerSection }),
           let text = read(recorded.offset, Int(clamping: min(recorded.size, 4096)))
        {
            // Written by scripts/package.sh into a stripped binary (no debug information left).
            swiftCompiler = String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines.union(["\0"]))
        } else if let debugStrings = sections.first(where: { names.cString(at: Int($0.name)) == ".debug_str" }),
           let strings = read(debugStrings.offset, Int(clamping: min(debugStrings.size, 1 << 28)))
        {
            swiftCompiler = Self.swiftCompiler(in: strings)
        }
    }

    /// The section a packaged (stripped) binary records its compiler in: `objcopy --add-section`.
    static let compilerSection = ".acuhook.compiler"

    /// The first `Swift version …` string among NUL-terminated strings.
    static func swiftCompiler(in strings: [UInt8]) -> String? {
        let marker = Array("Swift version ".utf8)
        guard strings.count >= marker.count else { return nil }
        var start = 0
        // A producer string starts a NUL-terminated string of its own.
        while let hit = strings[start...].firstIndex(of: marker[0]), hit + marker.count <= strings.count {
            if (hit == 0 || strings[hit - 1] == 0), strings[hit..<(hit + marker.count)].elementsEqual(marker) {
                let end = strings[hit...].firstIndex(of: 0) ?? strings.count
                return String(decoding: strings[hit..<end], as: UTF8.self)
            }
            start = hit + 1
        }
        return nil
    }

    /// One section header's fields that matter here.
    private struct Section {
        var name: UInt32, type: UInt32, offset: UInt64, size: UInt64, link: UInt32
        init(_ table: [UInt8], at start: Int) {
            name = table.integer(at: start, as: UInt32.self)
            type = table.integer(at: start + 4, as: UInt32.self)
            offset = table.integer(at: start + 24, as: UInt64.self)
            size = table.integer(at: start + 32, as: UInt64.self)
            link = table.integer(at: start + 40, as: UInt32.self)
        }
    }
}

extension [UInt8] {
    /// The little-endian integer at `offset` (0 when out of range).
    fileprivate func integer<T: FixedWidthInteger>(at offset: Int, as: T.Type) -> T {
        guard offset >= 0, offset + MemoryLayout<T>.size <= count else { return 0 }
        return withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
    }

    /// The NUL-terminated string at `offset` ("" when out of range).
    fileprivate func cString(at offset: Int) -> String {
        guard offset >= 0, offset < count else { return "" }
        let end = self[offset...].firstIndex(of: 0) ?? count
        return String(decoding: self[offset..<end], as: UTF8.self)
    }
}
