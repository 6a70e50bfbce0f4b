using System.Text.Json.Serialization;

namespace AgentService.Protocol.Runtime;

/// <summary>One SDK capability descriptor (schema SDKCapabilityDescriptor): a surface, a name and a support level.</summary>
public sealed class SdkCapability : IEquatable<SdkCapability>
{
    /// <summary><c>core</c> or <c>platform</c> (see <see cref="CapabilitySurfaces"/>).</summary>
    [JsonPropertyName("surface")]
    public required string Surface { get; init; }

    /// <summary>The capability, e.g. <c>kv.read</c> (see <see cref="CapabilityNames"/>).</summary>
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    /// <summary><c>native</c>, <c>polyfilled</c> (core only) or <c>unsupported</c> (see <see cref="SupportLevels"/>).</summary>
    [JsonPropertyName("supportLevel")]
    public required string SupportLevel { get; init; }

    /// <summary>True when the level is <c>native</c> or <c>polyfilled</c>.</summary>
    [JsonIgnore]
    public bool IsSupported => SupportLevel is SupportLevels.Native or SupportLevels.Polyfilled;

    /// <summary>A core capability.</summary>
    public static SdkCapability Core(string name, string supportLevel = SupportLevels.Native) =>
        new() { Surface = CapabilitySurfaces.Core, Name = name, SupportLevel = supportLevel };

    /// <summary>A platform capability.</summary>
    public static SdkCapability Platform(string name, string supportLevel = SupportLevels.Native) =>
        new() { Surface = CapabilitySurfaces.Platform, Name = name, SupportLevel = supportLevel };

    /// <inheritdoc />
    public bool Equals(SdkCapability? other) =>
        other is not null && Surface == other.Surface && Name == other.Name && SupportLevel == other.SupportLevel;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as SdkCapability);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Surface, Name, SupportLevel);

    /// <inheritdoc />
    public override string ToString() => $"{Surface}:{Name}={SupportLevel}";
}
