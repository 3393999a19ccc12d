// Where the engine sends desired states (the MQTT transport in the daemon).
import LedgeCore

/// Publishes a node's desired state (retained, so an offline node gets it when it returns).
public protocol DesiredPublisher: AnyObject, Sendable {
    func publishDesired(node: String, state: DesiredState) throws(FleetError)
}
