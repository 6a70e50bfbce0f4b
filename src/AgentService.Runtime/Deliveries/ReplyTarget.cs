using System.Text.Json;
using AgentService.Runtime.Transport;

namespace AgentService.Runtime.Deliveries;

/// <summary>The JSON-RPC request a delivery arrived in: the socket and id its acknowledgement answers.</summary>
internal sealed record ReplyTarget(RpcSocket Socket, JsonElement RequestId);
