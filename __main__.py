from wirebeam.pipeline.cli import main

raise SystemExit(main())
