import ArgumentParser
import Foundation
import MediaStreams

/// `nicsim media …`: tools for the media files streams are made of.
struct Media: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Look at media files.",
        subcommands: [Inspect.self])

    /// `nicsim media inspect FILE`: a transport stream's bit rate, PCR spacing, duration and PIDs.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an MPEG transport stream's bit rate (from its PCRs), PCR spacing, duration and PIDs.",
            discussion: """
                Damage that does not stop the analysis (lost sync, continuity errors, a truncated last packet) is \
                listed under anomalies. A file that cannot be read or is not a transport stream is reported on \
                standard error with exit status 2.
                """)

        @Argument(help: "The media file (MPEG-2 transport stream, 188-byte packets).")
        var file: String

        func run() throws {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), isDirectory.boolValue {
                throw Failure(message: "\(file): cannot read the file: it is a directory")
            }
            let bytes: [UInt8]
            do {
                bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw Failure(message: "\(file): cannot read the file: \(Self.reason(error))")
            }
            do throws(MediaError) {
                let name = URL(fileURLWithPath: file).lastPathComponent
                print(try MediaInspector.inspect(bytes: bytes, name: name), terminator: "")
            } catch {
                throw Failure(message: "\(file): \(error)")
            }
        }

        /// The OS's reason for a failed read, without Foundation's wrapping sentence.
        static func reason(_ error: any Error) -> String {
            let nsError = error as NSError
            if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
                underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code))
            {
                return String(cString: strerror(code.rawValue))
            }
            if nsError.domain == NSCocoaErrorDomain {
                switch nsError.code {
                case NSFileReadNoSuchFileError: return "no such file"
                case NSFileReadNoPermissionError: return "permission denied"
                default: break
                }
            }
            return nsError.localizedDescription
        }
    }
}
