using System.Text.Json.Serialization;

namespace AgentService.Client;

/// <summary>Source-generated serialization for the client's own request bodies.</summary>
[JsonSerializable(typeof(RunCancelRequest))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ClientJsonContext : JsonSerializerContext;

/// <summary>The body of <c>POST /v1/runs/{id}/cancel</c>.</summary>
internal sealed record RunCancelRequest(string Mode, string? Reason, bool Cascade);
