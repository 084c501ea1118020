from homa_desk.cli import main

raise SystemExit(main())
