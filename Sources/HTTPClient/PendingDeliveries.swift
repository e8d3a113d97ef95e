/// Streaming transfers that took in their head or body bytes during the current libcurl call. Their consumers get
/// all of it once the call returns (`deliver`), not piece by piece from inside it: a stream whose events arrive in
/// one read then wakes its reader once, and the reader hands the client one write instead of several.
///
/// Shared by `CurlSocketLoop` and its transfers, on the driver thread only.
final class PendingDeliveries {
    private var transfers: [CurlTransfer] = []

    func note(_ transfer: CurlTransfer) {
        self.transfers.append(transfer)
    }

    /// Hands each noted transfer's news to its consumer.
    func deliver() {
        guard !self.transfers.isEmpty else { return }
        for transfer in self.transfers { transfer.deliver() }
        self.transfers.removeAll(keepingCapacity: true)
    }
}
