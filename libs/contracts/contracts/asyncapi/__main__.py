from contracts.asyncapi.cli import main

raise SystemExit(main())
