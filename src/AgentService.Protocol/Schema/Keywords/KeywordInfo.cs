using AgentService.Protocol.Schema.Text;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>Where a keyword sits: its name, its path segment and its absolute location (schema URI + pointer).</summary>
internal sealed class KeywordInfo
{
    public KeywordInfo(string name, string schemaLocation)
        : this(name, "/" + JsonPointer.Escape(name), schemaLocation)
    {
    }

    private KeywordInfo(string name, string segment, string schemaLocation)
    {
        Name = name;
        Segment = segment;
        AbsoluteLocation = schemaLocation + segment;
    }

    public string Name { get; }

    /// <summary>"/" + the escaped keyword name, appended to the evaluation path.</summary>
    public string Segment { get; }

    public string AbsoluteLocation { get; }

    /// <summary>A boolean schema, whose location is the schema's own (no keyword segment).</summary>
    public static KeywordInfo ForBooleanSchema(string schemaLocation) => new("false", string.Empty, schemaLocation);

    /// <summary>The segment of a subschema under this keyword: "/allOf/1", "/properties/runId".</summary>
    public string ChildSegment(string token) => Segment + "/" + JsonPointer.Escape(token);
}
