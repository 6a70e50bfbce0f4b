namespace AgentService.Runtime.Transport;

/// <summary>How a socket ended: the peer's close code, ours, or a transport error.</summary>
internal sealed record SocketClosure(int? CloseStatus, string? Description, bool ClosedByUs, Exception? Error);
