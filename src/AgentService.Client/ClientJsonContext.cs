using System.Text.Json.Serialization;

namespace AgentService.Client;

/// <summary>Source-generated serialization for the client's own request bodies.</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
