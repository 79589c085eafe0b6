"""The contract as the descriptors state it, shared by the client and the fake: RPC table, HTTP rules, descriptors."""
