using System.Text.Json;
using AgentService.Runtime.Events;
using AgentService.Runtime.Providers;
using AgentService.Tests.Common;

namespace AgentService.Runtime.Tests.Providers;

/// <summary>Replays the recorded provider streams under Recordings/ through an adapter.</summary>
internal static class RecordedStreams
{
    public const string Parent = "stp_01kjmma95jfdk88r5dnefx5ks9";

    public static string PathOf(string recording) => Path.Combine(RepoPaths.Root, "tests", "AgentService.Runtime.Tests", "Recordings", recording);

    /// <summary>Ids minted in order: stp_01kjmm00000000000000000001, then ..2, ... (valid TypeIDs, predictable in assertions).</summary>
    public static ProviderStreamOptions Options(bool raw = false)
    {
        var next = 0;
        return new ProviderStreamOptions { ParentStepId = Parent, StepIndex = 1, IncludeRawEvents = raw, NewId = prefix => $"{prefix}_01kjmm{++next:D20}" };
    }

    public static string Id(string prefix, int n) => $"{prefix}_01kjmm{n:D20}";

    public static async Task<List<OutputEventDraft>> ReplayAsync(ProviderStreamAdapter adapter, string recording)
    {
        var drafts = new List<OutputEventDraft>();
        await using var stream = File.OpenRead(PathOf(recording));
        await foreach (var batch in adapter.MapStreamAsync(stream))
        {
            Assert.NotEmpty(batch);
            drafts.AddRange(batch);
        }

        return drafts;
    }

    /// <summary>"type data" per event, the data as the builders serialized it.</summary>
    public static List<string> Lines(IEnumerable<OutputEventDraft> drafts) => [.. drafts.Select(d => $"{d.Type} {d.Data.GetRawText()}")];

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
