import Foundation
import Teenygrad

/// Steps a trainer up to a total, reporting progress and writing checkpoints on a fixed cadence and at the end.
struct TrainingRun {
  let trainer: MNISTTrainer
  let totalSteps: Int
  let checkpoint: URL?
  let checkpointEvery: Int

  /// Trains until ``totalSteps`` steps are complete (counting steps restored from a checkpoint).
  func run(progress: ProgressDisplay) throws(CheckpointError) {
    var savedStep: Int? = nil
    while trainer.completedSteps < totalSteps {
      let step = trainer.trainStep()
      progress.update(step)
      if let checkpoint, step.step % checkpointEvery == 0 || step.step == totalSteps {
        try trainer.saveCheckpoint(to: checkpoint)
        savedStep = step.step
      }
    }
    progress.finish()
    if let checkpoint, savedStep != trainer.completedSteps {
      try trainer.saveCheckpoint(to: checkpoint)
    }
  }
}
