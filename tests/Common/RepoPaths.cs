namespace AgentService.Tests.Common;

/// <summary>Paths in the repository, found from the test binaries upwards.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Spec(params string[] parts) => Path.Combine([Root, "spec", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentService.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Cannot find the repository root (AgentService.slnx) above " + AppContext.BaseDirectory);
    }
}
