namespace AgentService.Protocol.Schema;

/// <summary>
/// Picks the error most worth showing, in the spirit of python-jsonschema's best_match: the deepest instance location
/// wins (it names the most specific problem), anyOf/oneOf lose ties to other keywords, and a failed anyOf/oneOf is
/// replaced by the best error of the branch that came closest (fewest errors, then deepest, then the one whose type
/// fit), unless several
/// branches come equally close, when the anyOf/oneOf error itself is the honest answer (unless they all fail
/// with the same message at the same place).
/// </summary>
internal static class ErrorRanking
{
    public static SchemaValidationError Find(IReadOnlyList<SchemaValidationError> errors)
    {
        var best = errors[0];
        foreach (var error in errors)
        {
            if (Rank(error).CompareTo(Rank(best)) > 0)
            {
                best = error;
            }
        }

        while (best.Branches.Count > 0)
        {
            var branch = ClosestBranch(best.Branches);
            if (branch is not null)
            {
                best = Find(branch);
                continue;
            }

            // Equally close branches that all fail the same way (every branch wants an object): say that.
            var same = SameProblemInEveryBranch(best.Branches);
            if (same is null)
            {
                break;
            }

            best = same;
        }

        return best;
    }

    private static SchemaValidationError? SameProblemInEveryBranch(IReadOnlyList<IReadOnlyList<SchemaValidationError>> branches)
    {
        SchemaValidationError? first = null;
        foreach (var branch in branches)
        {
            if (branch.Count == 0)
            {
                return null;
            }

            var candidate = Find(branch);
            if (first is null)
            {
                first = candidate;
            }
            else if (candidate.InstanceLocation != first.InstanceLocation || candidate.Message != first.Message)
            {
                return null;
            }
        }

        return first;
    }

    private static (int Depth, int NotCombinator) Rank(SchemaValidationError error) =>
        (DeepestIn(error), error.Keyword is "anyOf" or "oneOf" ? 0 : 1);

    /// <summary>Depth of the error, looking into the branch it would be replaced by.</summary>
    private static int DeepestIn(SchemaValidationError error)
    {
        if (error.Branches.Count == 0)
        {
            return error.InstanceDepth;
        }

        var branch = ClosestBranch(error.Branches);
        return branch is null ? error.InstanceDepth : Math.Max(error.InstanceDepth, branch.Max(DeepestIn));
    }

    /// <summary>The branch with the fewest errors (then the deepest one); null when that is not a single branch.</summary>
    private static IReadOnlyList<SchemaValidationError>? ClosestBranch(IReadOnlyList<IReadOnlyList<SchemaValidationError>> branches)
    {
        IReadOnlyList<SchemaValidationError>? closest = null;
        var tie = false;
        foreach (var branch in branches)
        {
            if (branch.Count == 0)
            {
                continue;
            }

            if (closest is null)
            {
                closest = branch;
                continue;
            }

            var compare = Compare(branch, closest);
            if (compare > 0)
            {
                closest = branch;
                tie = false;
            }
            else if (compare == 0)
            {
                tie = true;
            }
        }

        return tie ? null : closest;
    }

    /// <summary>Positive when <paramref name="a"/> is the closer match: fewer errors, then deeper, then fewer type mismatches.</summary>
    private static int Compare(IReadOnlyList<SchemaValidationError> a, IReadOnlyList<SchemaValidationError> b)
    {
        if (a.Count != b.Count)
        {
            return b.Count.CompareTo(a.Count);
        }

        var depth = a.Max(e => e.InstanceDepth).CompareTo(b.Max(e => e.InstanceDepth));
        if (depth != 0)
        {
            return depth;
        }

        // A branch that failed only because the value has another type is further away than one whose type fit.
        return b.Count(e => e.Keyword == "type").CompareTo(a.Count(e => e.Keyword == "type"));
    }
}
