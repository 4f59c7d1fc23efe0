// `import SimDB` is all a library user needs: the core value types and errors, and the catalog's
// record types that the store returns, come with it.
@_exported import SimDBCatalog
@_exported import SimDBCore
// The index's options and answers appear in the store's API.
@_exported import enum SimDBIndex.SearchMethod
@_exported import struct SimDBIndex.SearchOptions
@_exported import struct SimDBIndex.IndexSettings
@_exported import struct SimDBIndex.IndexStatus
@_exported import struct SimDBIndex.HNSWParameters
