namespace AgentService.Benchmarks;

/// <summary>The repository's <c>spec/</c> directory, found upwards from the benchmark's binary.</summary>
internal static class SpecFiles
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var spec = Path.Combine(dir.FullName, "spec", "v1", "schemas");
            if (Directory.Exists(spec))
            {
                return Path.Combine(dir.FullName, "spec");
            }
        }

        throw new DirectoryNotFoundException($"no spec/v1/schemas above {AppContext.BaseDirectory}");
    }
}
