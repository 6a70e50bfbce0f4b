using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>Result of <c>runtime.connection.secrets.get.command</c>; unknown or ungranted names are omitted.</summary>
public sealed class GetSecretsResponse
{
    /// <summary>Name to value.</summary>
    [JsonPropertyName("secrets")]
    public required IReadOnlyDictionary<string, string> Secrets { get; init; }
}
