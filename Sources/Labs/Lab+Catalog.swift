extension Lab {
    /// Every lab, in the order `nicsim labs` lists them: the catalog `Resources/labs.yaml` (``LabCatalog``), read
    /// once. Empty when the catalog could not be read; ``catalogError`` then says why, with file and line.
    public static let all: [Lab] = shipped.labs

    /// Why the shipped catalog could not be read; nil when it was.
    public static var catalogError: LabError? { shipped.error }

    private static let shipped: (labs: [Lab], error: LabError?) = {
        do throws(LabError) {
            return (try LabCatalog.load(), nil)
        } catch {
            return ([], error)
        }
    }()
}
