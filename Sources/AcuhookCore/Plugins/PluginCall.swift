/// One event to hand to a plugin, with the number of the attempt it is.
public struct PluginCall: Sendable {
    /// The event.
    public var event: PluginEvent
    /// Which attempt this is for the event's job, from 1.
    public var attempt: Int

    /// A call of `event`, attempt `attempt`.
    public init(_ event: PluginEvent, attempt: Int) {
        self.event = event
        self.attempt = attempt
    }
}
