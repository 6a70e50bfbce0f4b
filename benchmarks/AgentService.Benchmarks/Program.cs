using AgentService.Benchmarks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Micro-benchmarks of the service's hot code against the peer each replaces; every table prints the ratio to its
// baseline. Usage: dotnet run -c Release --project benchmarks/AgentService.Benchmarks [-- --smoke] [BenchmarkDotNet args]
// --smoke runs every benchmark once (CI checks that they still run; its figures mean nothing).
// In-process: no generated project is built per benchmark (offline package mirrors, two cores).
var smoke = args.Contains("--smoke", StringComparer.Ordinal);
var job = (smoke ? Job.Dry : Job.Default).WithToolchain(InProcessEmitToolchain.Instance);
var config = DefaultConfig.Instance.AddJob(job.AsDefault()).WithOptions(ConfigOptions.DisableOptimizationsValidator);
string[] rest = [.. args.Where(a => a != "--smoke")];
if (!rest.Contains("--filter", StringComparer.Ordinal))
{
    rest = [.. rest, "--filter", "*"];
}

var summaries = BenchmarkSwitcher.FromAssembly(typeof(SpecFiles).Assembly).Run(rest, config).ToList();
return summaries.Count == 0 || summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
