using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentService.Runtime;

/// <summary>Source-generated serialization of the few SDK-local shapes (error details, step values).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Dictionary<string, string>[]))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(Dictionary<string, int>))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(string))]
internal sealed partial class RuntimeSdkJsonContext : JsonSerializerContext;
