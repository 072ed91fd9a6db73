/// Derived events a completion could not store: its received delivery's budget
/// (``JobCompletion/derivedBudget``) was spent.
public struct DerivedEventRefusal: Sendable, Equatable {
    /// The job whose plugin emitted them.
    public var jobID: Int64
    /// The received delivery whose derivation tree they belong to (its row id).
    public var rootDelivery: Int64
    /// How many were not stored.
    public var refused: Int
    /// Whether these are the first refused for that delivery (log once per delivery).
    public var first: Bool

    /// A refusal.
    public init(jobID: Int64, rootDelivery: Int64, refused: Int, first: Bool) {
        self.jobID = jobID
        self.rootDelivery = rootDelivery
        self.refused = refused
        self.first = first
    }
}
