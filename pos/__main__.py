from pos.launcher import main

raise SystemExit(main())
