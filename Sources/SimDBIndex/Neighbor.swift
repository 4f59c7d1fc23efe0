/// One search hit: a stored vector's id and its value under the search metric.
public struct Neighbor: Sendable, Equatable {
    /// The stored vector's id (a template id in a store).
    public let id: UInt64
    /// The metric's value between the query and this vector.
    public let distance: Float

    /// Creates a hit.
    public init(id: UInt64, distance: Float) {
        self.id = id
        self.distance = distance
    }
}

/// The best hit of one group (a person's closest template) when results are aggregated.
public struct GroupNeighbor<Group: Hashable & Sendable>: Sendable, Equatable {
    /// The group, for example a person id.
    public let group: Group
    /// The group's closest vector.
    public let best: Neighbor
    /// How many of the group's vectors were scanned.
    public let vectorCount: Int
}
