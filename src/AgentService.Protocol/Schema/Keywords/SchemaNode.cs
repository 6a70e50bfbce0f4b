using System.Runtime.CompilerServices;

namespace AgentService.Protocol.Schema.Keywords;

/// <summary>A compiled schema: its keywords, evaluated in order. Immutable once its compilation finished.</summary>
internal sealed class SchemaNode
{
    private Keyword[] _keywords = [];

    public SchemaNode(string location)
    {
        Location = location;
    }

    /// <summary>Absolute location: the document's URI, '#', and the JSON pointer of the schema in it.</summary>
    public string Location { get; }

    public IReadOnlyList<Keyword> Keywords => _keywords;

    public void SetKeywords(Keyword[] keywords) => _keywords = keywords;

    public bool Evaluate(in JsonInstance instance, ValidationState state)
    {
        // Deep instances make deep recursion: fail with an exception rather than overflow the stack.
        RuntimeHelpers.EnsureSufficientExecutionStack();
        var valid = true;
        foreach (var keyword in _keywords)
        {
            if (!keyword.Evaluate(instance, state))
            {
                valid = false;
                if (!state.Collecting)
                {
                    return false;
                }
            }
        }

        return valid;
    }
}
