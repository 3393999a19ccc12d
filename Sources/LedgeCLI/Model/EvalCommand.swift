// `ledge model eval DIR --cmapss DIR | --ai4i FILE [--json]`: scores a model folder on its real data set with
// the int8 model through LedgeML, and prints one summary line (or a JSON object).
import Foundation

enum ModelEval {
    static let usage = """
        usage: ledge model eval MODEL_DIR --cmapss DATA_DIR [--json]
               ledge model eval MODEL_DIR --ai4i FILE [--json]

        --cmapss: RMSE and PHM08 score over test_FD001.txt's engines at their last cycle (window edge-padded as
                  in training) against RUL_FD001.txt, capped at the manifest's target_cap.
        --ai4i:   precision, recall, F1 (at the manifest's decision threshold) and PR-AUC over the held-out rows
                  of ai4i2020.csv listed in the model folder.
        """

    static func main(_ args: [String]) -> Int32 {
        if args.contains("--help") || args.contains("-h") { print(usage); return ExitCode.success }
        let a: Arguments
        do throws(UsageError) {
            a = try Arguments(args, flags: ["json"])
            try a.checkKnown(["json", "cmapss", "ai4i"])
            guard a.positionals.count == 1 else { throw UsageError("expects one MODEL_DIR") }
            guard (a.value("cmapss") == nil) != (a.value("ai4i") == nil) else {
                throw UsageError("give exactly one of --cmapss DATA_DIR or --ai4i FILE")
            }
        } catch {
            printError("ledge model eval: \(error.message)\n\(usage)")
            return ExitCode.usage
        }
        let folder = a.positionals[0]
        do throws(EvalError) {
            let m = try EvalModel(folder: folder)
            if let dir = a.value("cmapss") {
                let r = try CMAPSSEval.run(m, dataDir: dir)
                if a.flag("json") {
                    printJSON(["model": m.name, "version": m.version, "dataset": "cmapss", "subset": "FD001",
                               "engines": r.engines, "rmse": r.rmse, "phm08": r.phm08, "cap": r.cap,
                               "quantization": "int8"] as [String: Any])
                } else {
                    print("\(m.name) \(m.version) int8 on \(dir)/test_FD001.txt: RMSE \(fmt(r.rmse, 3)), PHM08 "
                          + "\(fmt(r.phm08, 1)) over \(r.engines) engines (last cycle, RUL capped at \(fmt(r.cap, 0)))")
                }
            } else if let file = a.value("ai4i") {
                let r = try AI4IEval.run(m, file: file)
                let c = r.confusion
                if a.flag("json") {
                    printJSON(["model": m.name, "version": m.version, "dataset": "ai4i2020", "rows": r.rows,
                               "failures": r.failures, "threshold": r.threshold, "precision": c.precision,
                               "recall": c.recall, "f1": c.f1, "pr_auc": r.prAUC, "tp": c.tp, "fp": c.fp, "fn": c.fn,
                               "tn": c.tn, "quantization": "int8"] as [String: Any])
                } else {
                    print("\(m.name) \(m.version) int8 on the held-out split of \(file): precision \(fmt(c.precision, 4)), "
                          + "recall \(fmt(c.recall, 4)), F1 \(fmt(c.f1, 4)), PR-AUC \(fmt(r.prAUC, 4)) over \(r.rows) rows "
                          + "(\(r.failures) failures, threshold \(fmt(r.threshold, 4)))")
                }
            }
            return ExitCode.success
        } catch {
            printError("ledge model eval: \(error)")
            return ExitCode.usage
        }
    }

    static func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
}
