// `import SimDB` is all a library user needs: the core value types and errors, and the catalog's
// record types that the store returns, come with it.
@_exported import SimDBCatalog
@_exported import SimDBCore
